"""The social health budget: population x coverage x utilisation x cost, against wages and
contributions, year by year, under scenarios (spec §1C and §5.9; the ILO Health Budget model of
seed 003, an actuarial study of Peru's EsSalud).

``reserva.budget.model`` holds the projection of one scheme's inputs, held per year as arrays
(``BudgetInputs``), for many scenarios at once; the inputs' files, their reader and the scenario
paths come with it (issue 17).
"""
