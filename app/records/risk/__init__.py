"""风险事件 (risk incidents): filed by 市委网信办 or 市信访办 when they happen
(有事法则), reviewed by that unit's reviewer and the 改革办; each approved
incident is deducted from every district it involves (seed 001 四（五） and the
风险管控力 rule of its attachment)."""
