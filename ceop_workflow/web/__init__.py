"""The web application for staff and the committee, and its JSON API under /api.

`create_app` lives in `ceop_workflow.web.app`; `link_for` in `ceop_workflow.app.links` imports
nothing of the web framework, so notifications can build links without it.
"""
