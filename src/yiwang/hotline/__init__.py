"""The 12345 hotline (诉求直通): intake, dispatch catalogue, department workflow, SLA clocks."""
