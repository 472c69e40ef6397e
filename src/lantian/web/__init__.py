"""The shell: app factory, sign-in, roles to scope, layout, static assets, evidence files.

No business rule lives here; every room mounts its routes on the app.
"""
