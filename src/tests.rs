// In-database tests; filled in below.
