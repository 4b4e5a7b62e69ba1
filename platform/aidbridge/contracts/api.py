"""API routes: a bureau's purchase list and contracts; a provider's contracts and the
deliveries it records on them."""

from __future__ import annotations

from flask_login import current_user

from aidbridge.accounts.permissions import Permission
from aidbridge.api import endpoint
from aidbridge.clock import local_today
from aidbridge.contracts import service as contracts
from aidbridge.contracts.models import Contract, ContractStatus, ItemStatus, PurchaseItem
from aidbridge.contracts.schemas import (
    ContractChangeSchema,
    ContractDetailSchema,
    ContractInputSchema,
    ContractQuery,
    ContractSchema,
    ContractStatusInputSchema,
    DeliveryInputSchema,
    DeliverySchema,
    FundingInputSchema,
    ItemStatusInputSchema,
    ProviderSchema,
    PurchaseItemChangeSchema,
    PurchaseItemInputSchema,
    PurchaseItemQuery,
    PurchaseItemSchema,
)
from aidbridge.pool.models import Service
from aidbridge.pool.schemas import ServiceSchema
from aidbridge.schemas import PageQuery
from aidbridge.tenancy import SharedLookup
from aidbridge.workforce import service as workforce

TAG = "contracts"
MANAGE = Permission.manage_contracts
READ = Permission.read_contracts
ITEM = {"purchase_item_id": PurchaseItem}
# A contract as the caller may see it: the purchasing bureau's own, or one naming the
# caller as provider (the request then acts in the bureau's scope).
CONTRACT = {
    "contract_id": SharedLookup(
        Contract, lambda contract_id: contracts.find_contract(current_user.tenant, contract_id)
    )
}


# --- the purchase list -----------------------------------------------------------------------


@endpoint(
    "/purchase-items",
    summary="Your purchase list (购买清单), by code",
    tag=TAG,
    query=PurchaseItemQuery,
    response=PurchaseItemSchema,
    many=True,
    permission=MANAGE,
)
def list_purchase_items(args):
    return contracts.items_query(args["status"])


@endpoint(
    "/purchase-items",
    "POST",
    summary="Add a service to your purchase list (a draft until published)",
    tag=TAG,
    body=PurchaseItemInputSchema,
    response=PurchaseItemSchema,
    status=201,
    permission=MANAGE,
    errors=(409,),
)
def add_purchase_item(data):
    return contracts.add_item(data)


@endpoint(
    "/purchase-items/<int:purchase_item_id>",
    summary="One entry of your purchase list",
    tag=TAG,
    response=PurchaseItemSchema,
    permission=MANAGE,
    load=ITEM,
)
def get_purchase_item(purchase_item):
    return purchase_item


@endpoint(
    "/purchase-items/<int:purchase_item_id>",
    "PATCH",
    summary="Change an entry (signed contracts keep their price)",
    tag=TAG,
    body=PurchaseItemChangeSchema,
    response=PurchaseItemSchema,
    permission=MANAGE,
    load=ITEM,
    errors=(409,),
)
def update_purchase_item(purchase_item, data):
    return contracts.update_item(purchase_item, data)


@endpoint(
    "/purchase-items/<int:purchase_item_id>/status",
    "PUT",
    summary="Publish an entry on your purchase list, or withdraw it (ALL-PS-1)",
    tag=TAG,
    body=ItemStatusInputSchema,
    response=PurchaseItemSchema,
    permission=MANAGE,
    load=ITEM,
)
def set_purchase_item_status(purchase_item, data):
    return contracts.set_item_status(purchase_item, ItemStatus(data["status"]))


# --- contracts -------------------------------------------------------------------------------


@endpoint(
    "/contracts/providers",
    summary="The charities and agencies of your pool you may contract",
    tag=TAG,
    query=PageQuery,
    response=ProviderSchema,
    many=True,
    permission=MANAGE,
)
def list_providers(args):
    return workforce.providers_query(current_user.tenant)


@endpoint(
    "/contracts",
    summary="Your contracts: as purchasing bureau, or as provider; newest first",
    tag=TAG,
    query=ContractQuery,
    response=ContractSchema,
    many=True,
    permission=READ,
)
def list_contracts(args):
    return contracts.contracts_query(current_user.tenant, args["status"])


@endpoint(
    "/contracts",
    "POST",
    summary="Draft a purchase-of-service contract with a provider of your pool",
    tag=TAG,
    body=ContractInputSchema,
    response=ContractDetailSchema,
    status=201,
    permission=MANAGE,
    errors=(409,),
)
def create_contract(data):
    contract = contracts.create_contract(current_user.tenant, data)
    return contracts.detail(contract, local_today())


@endpoint(
    "/contracts/<int:contract_id>",
    summary="A contract with its drawdown and the provider's staffing standing",
    tag=TAG,
    response=ContractDetailSchema,
    permission=READ,
    load=CONTRACT,
)
def get_contract(contract):
    return contracts.detail(contract, local_today())


@endpoint(
    "/contracts/<int:contract_id>",
    "PATCH",
    summary="Change a contract that is not closed (every change is audited)",
    tag=TAG,
    body=ContractChangeSchema,
    response=ContractDetailSchema,
    permission=MANAGE,
    load=CONTRACT,
    errors=(409,),
)
def update_contract(contract, data):
    contract = contracts.update_contract(current_user.tenant, contract, data)
    return contracts.detail(contract, local_today())


@endpoint(
    "/contracts/<int:contract_id>/status",
    "PUT",
    summary="Activate, suspend, resume or close a contract",
    tag=TAG,
    body=ContractStatusInputSchema,
    response=ContractDetailSchema,
    permission=MANAGE,
    load=CONTRACT,
)
def set_contract_status(contract, data):
    today = local_today()
    contracts.set_contract_status(contract, ContractStatus(data["status"]), today)
    return contracts.detail(contract, today)


@endpoint(
    "/contracts/<int:contract_id>/deliveries",
    summary="The units delivered under a contract, latest first",
    tag=TAG,
    query=PageQuery,
    response=DeliverySchema,
    many=True,
    permission=READ,
    load=CONTRACT,
)
def list_deliveries(contract, args):
    return contracts.deliveries_query(contract)


@endpoint(
    "/contracts/<int:contract_id>/deliveries",
    "POST",
    summary="Record units delivered under your contract: they draw down its units and "
    "budget, never beyond them",
    tag=TAG,
    body=DeliveryInputSchema,
    response=DeliverySchema,
    status=201,
    permission=Permission.record_deliveries,
    load=CONTRACT,
)
def record_delivery(contract, data):
    return contracts.record_delivery(contract, data, current_user)


@endpoint(
    "/services/<int:service_id>/contract",
    "PUT",
    summary="Link your service to the contract that funds it (null: unlink); it is then "
    "offered only inside the contract's areas, items and period",
    tag=TAG,
    body=FundingInputSchema,
    response=ServiceSchema,
    load={"service_id": Service},
)
def fund_service(service, data):
    return contracts.fund_service(current_user.tenant, service, data["contract_id"])
