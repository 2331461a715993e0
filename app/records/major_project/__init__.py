"""市级重大改革项目: projects kept by the 改革办 and their bimonthly progress."""
