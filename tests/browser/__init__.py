"""Browser tests of the role pages (issue "The three roles' pages")."""
