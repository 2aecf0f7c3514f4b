"""Channel-layer group names: the only place they are spelled."""


def worker_group(user_id: int) -> str:
    return f"worker.{user_id}"


def company_staff_group(company_id: int) -> str:
    return f"company.{company_id}.staff"


def project_group(project_id: int) -> str:
    return f"project.{project_id}"


def project_of_group(group: str) -> int | None:
    """The project of a ``project.<id>`` group; None for any other group."""
    prefix, _, rest = group.partition(".")
    return int(rest) if prefix == "project" and rest.isdigit() else None
