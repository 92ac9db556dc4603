"""Processes (流程): deploying BPMN processes and their forms as immutable versions, validating what a user
submits against a task's form, and the reviewed helpers a BPMN script may call.

SpiffWorkflow itself is behind :mod:`engine.runtime`; this package stores and serves what designers deploy.
"""
