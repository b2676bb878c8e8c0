"""Exports from a batch: the Excel summary a scorer returns, the score reports."""
