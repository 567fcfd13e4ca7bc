"""``geoservice org create``, ``user create``, ``token create``: accounts from the shell."""

from __future__ import annotations

import argparse
import getpass
import os

from geoservice.accounts import store
from geoservice.accounts.principal import ROLES
from geoservice.cli.common import engine
from geoservice.errors import NotFound


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    org = subparsers.add_parser("org", help="organisations").add_subparsers(
        dest="org_command", metavar="ACTION", required=True)
    create = org.add_parser("create", help="create an organisation; prints its id")
    create.add_argument("--name", required=True)
    create.add_argument("--reg-no", required=True, help="registration number")
    create.add_argument("--vat-no")
    create.add_argument("--eori")
    create.add_argument("--email")
    create.add_argument("--phone")
    create.add_argument("--street")
    create.add_argument("--city")
    create.add_argument("--postal-code")
    create.add_argument("--operator", action="store_true",
                        help="the organisation running the service (its officers see all)")
    create.set_defaults(func=_org_create)

    user = subparsers.add_parser("user", help="users").add_subparsers(
        dest="user_command", metavar="ACTION", required=True)
    ucreate = user.add_parser("create", help="create a user")
    ucreate.add_argument("--org", required=True, help="organisation id or registration number")
    ucreate.add_argument("--email", required=True)
    ucreate.add_argument("--role", required=True, choices=ROLES)
    ucreate.add_argument("--name", default="")
    ucreate.add_argument("--password", help="else $GEOSERVICE_NEW_PASSWORD, else asked")
    ucreate.set_defaults(func=_user_create)
    udisable = user.add_parser(
        "disable", help="disable a user: ends their sessions and revokes their API tokens")
    udisable.add_argument("email")
    udisable.set_defaults(func=_user_active, active=False)
    uenable = user.add_parser("enable", help="enable a disabled user again")
    uenable.add_argument("email")
    uenable.set_defaults(func=_user_active, active=True)

    token = subparsers.add_parser("token", help="API tokens").add_subparsers(
        dest="token_command", metavar="ACTION", required=True)
    tcreate = token.add_parser("create", help="create an API token; prints only the token")
    tcreate.add_argument("--user", required=True, help="the user's e-mail")
    tcreate.add_argument("--name", default="cli")
    tcreate.set_defaults(func=_token_create)
    trevoke = token.add_parser("revoke", help="revoke an API token")
    trevoke.add_argument("token")
    trevoke.set_defaults(func=_token_revoke)


def _org_create(args: argparse.Namespace) -> int:
    fields = {k: v for k, v in {
        "vat_no": args.vat_no, "eori": args.eori, "email": args.email, "phone": args.phone,
        "street": args.street, "city": args.city, "postal_code": args.postal_code,
    }.items() if v}
    if args.operator:
        fields["is_operator"] = True
    with engine().begin() as conn:
        org_id = store.create_organisation(conn, name=args.name, reg_no=args.reg_no, **fields)
    print(org_id)
    return 0


def _user_create(args: argparse.Namespace) -> int:
    password = args.password or os.environ.get("GEOSERVICE_NEW_PASSWORD") or getpass.getpass()
    with engine().begin() as conn:
        org_id = store.find_organisation(conn, args.org)
        if org_id is None:
            raise NotFound(f"No organisation with id or registration number {args.org}.")
        user_id = store.create_user(conn, org_id=str(org_id), email=args.email, role=args.role,
                                    password=password, name=args.name)
    print(user_id)
    return 0


def _user_active(args: argparse.Namespace) -> int:
    eng = engine()
    try:
        with eng.begin() as conn:
            store.set_user_active(conn, args.email, args.active)
    finally:
        eng.dispose()
    print("enabled" if args.active else "disabled; sessions ended and API tokens revoked")
    return 0


def _token_create(args: argparse.Namespace) -> int:
    with engine().begin() as conn:
        print(store.create_token(conn, user_email=args.user, name=args.name))
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    with engine().begin() as conn:
        revoked = store.revoke_token(conn, args.token)
    print("revoked" if revoked else "no such active token")
    return 0 if revoked else 1
