"""What the socket layer asks of the apps above it (supplied by ``tasks`` at start-up; core.providers).

``realtime`` knows groups and users, not projects: whether a user may hear a project's feed is the
work's rule."""

from core.providers import Provider

# may_follow_project(user, project_id: int) -> bool: staff of the project's company, or a mother who
# may claim from it.
may_follow_project: Provider[..., bool] = Provider("may this user follow this project")
