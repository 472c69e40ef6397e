"""The forecasting room (预测预报, task 20 and 22 of the plan): daily forecasts of AQI, PM2.5, PM10 and
O3-8h for the city and each county, trained in lantian from the measurement store, kept as records,
verified by rolling origin against persistence and climatology (docs/forecast.md)."""
