"""部门绩效自评 (seed 003): the record type, its rows, form, PDF and demo."""
