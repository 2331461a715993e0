"""指标数据 (metric values): the values of the 2024 district scheme's items 1–7
(seed 000), each entered by the data-source department the scheme names for
its indicator, one value (or a numerator and a denominator) per indicator,
district and period, reviewed by that department and the 改革办; entered one
by one or as a whole Excel sheet reviewed as one batch."""
