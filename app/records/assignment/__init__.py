"""交办事项: 需求清单交办 (seed 001 四（一）) and 堵点卡点 (四（四）), one mechanism."""
