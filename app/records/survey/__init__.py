"""改革满意度 (seed 001 四（六）): the quarterly district survey results that
feed the 2023 scheme's 社情民意电话调查满意度, and the yearly major-project
satisfaction the 改革办 enters for display only."""
