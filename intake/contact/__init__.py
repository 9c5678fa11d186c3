"""The public contact page for the web and Tor (/contact/, /contact/replies/): a person writes
without an account, JavaScript or cookies, and reads the answers with a reply phrase.
Intakes land in the triage queue of WAYPOINT_CONTACT_ORGANISATION (intake.services)."""
