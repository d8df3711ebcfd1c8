"""Load and soak testing of the webhook service, on the loopback interface only."""
