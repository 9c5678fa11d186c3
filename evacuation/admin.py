"""Nothing of evacuation is in the Django admin: plans, visa applications and dossiers hold
sealed content, and routes with their dossier requirements are edited in the app's platform
admin area (evacuation.views.routes), where a change reaches the draft dossiers and is
audited."""
