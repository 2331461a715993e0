"""国企改革 (seed 004): 国企改革成效 and 改革典型案例 of district state-owned
enterprises, reviewed by the enterprise and its district 国资委, who may adopt
(采用) an approved case; scored by the SOE scheme (soe_2023.yaml)."""
