"""Data exchange and sharing (数据交换与共享): what szcg tells other systems and takes from them.

``outbox`` writes a step's case events for webhook receivers in the step's own transaction;
``subscriptions`` is the administrators' side (receivers, their scope and secret, the delivery log);
``delivery`` is the scheduler's side (claim, sign per Standard Webhooks, send, retry);
``addresses`` refuses private and loopback targets (no SSRF).
"""
