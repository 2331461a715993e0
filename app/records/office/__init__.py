"""深改委会议 and 工作动态: the 改革办's own plain records."""
