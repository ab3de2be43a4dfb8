"""Dollars: the price table, what each response cost, and the run's live-spend budget."""
