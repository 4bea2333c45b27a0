"""Customs and border officers: the border check (may a shipment's LMOs enter, on what evidence)."""
