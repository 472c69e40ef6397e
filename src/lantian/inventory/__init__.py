"""The emission inventory (排放清单): SO2, NOx, CO, VOCs, NH3, PM10 and PM2.5 by county × sector ×
month, built from the ledgers, the registers, the fire points and the CEMS series, every number
with its method, activity, factor, source and uncertainty class (《城市大气污染源排放清单编制技术
手册》 and the 2014 一次源 guides; docs/inventory.md)."""
