"""Pre-flight of a campaign, once per run and before any send: the template exists, its localization in the
campaign's language is APPROVED, and it takes exactly as many values as ``body_columns`` names."""

from __future__ import annotations

from airflow_provider_texter.exceptions import TexterValidationError
from airflow_provider_texter.hooks.texter import TexterHook
from airflow_provider_texter.template_catalog import APPROVED, Localization, find_localization
from airflow_provider_texter.transfers.campaign_plan import CampaignPlan


def preflight(hook: TexterHook, plan: CampaignPlan) -> Localization:
    """The localization every message of the run renders; a ``TexterValidationError`` naming each reason
    the campaign cannot be sent."""
    message = plan.message
    templates = hook.list_templates(account_id=message.account_id, include_all=True)
    localization = find_localization(templates, message.template_name, message.language)
    which = f"template {message.template_name!r} ({localization.language})"
    problems = []
    if localization.status != APPROVED:
        problems.append(f"{which} is {localization.status}: only an {APPROVED} localization can be sent")
    if localization.variable_count != len(plan.body_columns):
        problems.append(
            f"body_columns: {which} takes {localization.variable_count} values, and body_columns names "
            f"{len(plan.body_columns)} ({', '.join(plan.body_columns) or 'none'})"
        )
    if problems:
        raise TexterValidationError(problems, context=f"pre-flight of campaign {plan.campaign_id!r}")
    return localization
