"""Accounts, roles, departments and the scope every query goes through."""
