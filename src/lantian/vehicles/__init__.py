"""柴油货车与门禁 (行动计划 任务11、12、23): gate records of key enterprises, the warning-period
transport bans and task 11's freight rule checked against them, silent gates, road checks (路检路查)
and OBD inspections by plate."""
