"""Projection: asset cashflows, bond analytics and the ALM maturity ladder."""
