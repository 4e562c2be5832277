// Integration and end-to-end tests start real brokers, databases and apps: allow them a minute.
jest.setTimeout(60000);
