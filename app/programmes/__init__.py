"""Annual programmes (年度计划): a year's key projects with class, planned investment and target."""
