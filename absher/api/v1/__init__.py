"""The JSON API, version 1: the contract mobile apps, banks and authorities build against."""

from absher.api.errors import install_error_handlers
from absher.api.openapi import DocumentedErrorsNinjaAPI
from absher.api.v1 import (
    activation,
    auth,
    cases,
    catalog,
    integrations,
    me,
    payments,
    privacy,
    receipts,
    requests,
    services,
    suspensions,
    transfers,
)

api = DocumentedErrorsNinjaAPI(
    title="Absher e-services API",
    version="1",
    description=(
        "Citizen and resident e-services, and the integration endpoints used by banks, SADAD, "
        "authorities and payment gateways. Errors are `{code, message, details}` with the message "
        "in the language of `Accept-Language` (ar or en)."
    ),
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
install_error_handlers(api)

api.add_router("/auth", auth.router)
api.add_router("/me", me.router)
api.add_router("/me", privacy.router)
api.add_router("/me", suspensions.me_router)
api.add_router("/me", payments.me_router)
api.add_router("/bills", payments.bills_router)
api.add_router("/bills", receipts.router)
api.add_router("/me", transfers.me_router)
api.add_router("/transfers", transfers.router)
api.add_router("/cases", cases.router)
api.add_router("/requests", requests.router)
api.add_router("/activation", activation.router)
api.add_router("/services", services.router)
api.add_router("/departments", catalog.router)
api.add_router("/integrations", integrations.router)
api.add_router("/integrations", suspensions.authority_router)
api.add_router("/integrations", payments.sadad_router)
api.add_router("/integrations", payments.card_gateway_router)
