"""Checks that a config's registry names exist, run when the config is validated.

Each check is a pydantic field validator body: it returns the value or raises
``ValueError`` with the known names, so a wrong name is reported with every other problem
of the config, before any work starts. Plugins (:mod:`toolschool.plugins`) are loaded
before these checks run.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from toolschool.errors import RegistryError


def _known(registry_get, name: str) -> None:  # type: ignore[no-untyped-def]
    try:
        registry_get(name)
    except RegistryError as exc:
        raise ValueError(str(exc)) from None


def check_format(name: str) -> str:
    """``name`` if it is a registered tool-call format."""
    from toolschool.formats import FORMATS

    if name not in FORMATS:
        _known(FORMATS.get, name)
    return name


def check_layout(name: str | None) -> str | None:
    """``name`` if it is None (detect) or a registered chat turn layout."""
    from toolschool.chat import LAYOUTS

    if name is not None and name not in LAYOUTS:
        _known(LAYOUTS.get, name)
    return name


def check_toolkit(name: str) -> str:
    """``name`` if it is a registered toolkit."""
    from toolschool.tools.toolkits import TOOLKITS

    if name not in TOOLKITS:
        _known(TOOLKITS.get, name)
    return name


def check_model(name: str) -> str:
    """``name`` if it names a base model (see :mod:`toolschool.models.names`)."""
    from toolschool.models.names import check_model_name

    return check_model_name(name)


def check_trained_model(name: str) -> str:
    """``name`` if it names a base model, a toolschool run/train directory or an
    OpenAI-compatible endpoint (``http://…``/``https://…``)."""
    from toolschool.models.names import check_model_name

    if name.startswith(("http://", "https://")):
        return name
    return check_model_name(name, trained=True)


#: config field types that check their name when the config is validated
FormatName = Annotated[str, AfterValidator(check_format)]
LayoutName = Annotated[str | None, AfterValidator(check_layout)]
ToolkitName = Annotated[str, AfterValidator(check_toolkit)]
ModelName = Annotated[str, AfterValidator(check_model)]
TrainedModelName = Annotated[str, AfterValidator(check_trained_model)]
