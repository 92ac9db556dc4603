"""Domain errors. Each carries the HTTP status and error code the API maps it to.

The web layer registers one handler for :class:`SzcgError`; the engine never returns
error values, it raises one of these, and the unit of work rolls back.
"""

from __future__ import annotations

from typing import Any


class SzcgError(Exception):
    """Base of every error the engine raises on purpose."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        body.update({k: v for k, v in self.details.items() if v is not None})
        return body


class ConfigError(SzcgError):
    """A setting is missing or malformed; start-up stops."""

    code = "config_error"

    def __init__(self, message: str, *, key: str) -> None:
        super().__init__(message, key=key)
        self.key = key


class BadRequest(SzcgError):
    status = 400
    code = "bad_request"


class Unauthenticated(SzcgError):
    status = 401
    code = "unauthenticated"


class Forbidden(SzcgError):
    status = 403
    code = "forbidden"


class NotFound(SzcgError):
    status = 404
    code = "not_found"


class Conflict(SzcgError):
    """The state changed under the caller (e.g. the task was completed a moment ago)."""

    status = 409
    code = "conflict"


class TaskNotReady(Conflict):
    code = "task_not_ready"


class Invalid(SzcgError):
    """Input that parses but breaks a rule; ``fields`` names each offending field."""

    status = 422
    code = "invalid"


class OutsideManagedArea(Invalid):
    code = "outside_managed_area"


class TooManyRequests(SzcgError):
    status = 429
    code = "too_many_requests"


class DeployError(Invalid):
    """A BPMN/DMN/form file was refused; names the file, the element and the reason."""

    code = "deploy_refused"

    def __init__(self, problems: list[DeployProblem]) -> None:
        text = "; ".join(str(p) for p in problems)
        super().__init__(f"deployment refused: {text}", problems=[p.to_dict() for p in problems])
        self.problems = problems


class DeployProblem:
    """One reason a deployment was refused."""

    def __init__(self, file: str, element: str | None, reason: str) -> None:
        self.file, self.element, self.reason = file, element, reason

    def __str__(self) -> str:
        where = f"{self.file}" + (f" element '{self.element}'" if self.element else "")
        return f"{where}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "element": self.element, "reason": self.reason}


class ProcessError(SzcgError):
    """The process itself failed while running (a script error, a forbidden operation).

    Raised after rolling back, so nothing of the failed step is stored.
    """

    status = 500
    code = "process_error"

    def __init__(self, message: str, *, element: str | None = None) -> None:
        super().__init__(message, element=element)
        self.element = element


class ImportRefused(Invalid):
    """A data file (places, components, classes) was refused; nothing of it was stored.

    ``problems`` lists each bad feature or line: ``{"where": "feature 12", "code": …, "reason": …}``.
    """

    code = "import_refused"

    def __init__(self, file: str, problems: list[dict[str, str | None]]) -> None:
        shown = "; ".join(f"{p['where']}" + (f" ({p['code']})" if p.get("code") else "") + f": {p['reason']}"
                          for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{file} refused, nothing imported: {shown}{more}", problems=problems)
        self.problems = problems
