from core.providers import Provider

# The periodic jobs of the apps on background's own layer (integrations: webhooks), which background
# may not reach itself: config, the layer above both, lists them when the apps are ready
# (config/apps.py). Answers ``list[tuple[Task, datetime.timedelta]]``: each job and how often it runs.
jobs_beside: Provider[[], list] = Provider("which periodic jobs do the apps beside background have")
