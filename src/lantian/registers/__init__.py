"""专项台账 (registers): the registers departments keep for the plan's tasks that are neither
monitoring nor industry ledgers — 两高项目, 煤炭消费, 清洁取暖, 车辆与非道路机械, 扬尘, 面源, VOCs,
油品, 货车通行, 监测站点建设 — as data (``kinds/*.toml``) with dated rules (``rules/*.toml``, the
ledgers' rule language) and a few named aggregate and zone checks (:mod:`lantian.registers.checks`)."""
