"""LOAD: bronze -> the warehouse's raw tables, and the warehouse interface everything reads and writes through."""
