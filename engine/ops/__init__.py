"""Operations (运维): what the people who run szcg watch — health, readiness, metrics, heartbeats."""
