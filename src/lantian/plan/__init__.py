"""The action plan (行动计划): its text read into sections, tasks, responsibilities and deadlines."""
