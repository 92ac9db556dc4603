"""People (人员与组织): accounts and roles, the organisation, who may do what, signing in, throttling,
notifications, and the administrators' audit trail."""
