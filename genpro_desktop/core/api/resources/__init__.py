"""The resource groups of `GenClient` (one module per GEN area)."""

from genpro_desktop.core.api.resources.agents import Agents
from genpro_desktop.core.api.resources.cells import Cells
from genpro_desktop.core.api.resources.engines import Engines
from genpro_desktop.core.api.resources.generations import Generations
from genpro_desktop.core.api.resources.me import MeResource
from genpro_desktop.core.api.resources.organizations import Organizations
from genpro_desktop.core.api.resources.renders import Renders
from genpro_desktop.core.api.resources.schedule import Schedule
from genpro_desktop.core.api.resources.user_jobs import UserJobs
from genpro_desktop.core.api.resources.workspaces import Workspaces

__all__ = [
    "Agents",
    "Cells",
    "Engines",
    "Generations",
    "MeResource",
    "Organizations",
    "Renders",
    "Schedule",
    "UserJobs",
    "Workspaces",
]
