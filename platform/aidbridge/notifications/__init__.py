"""In-app notifications: what a user should look at (overdue reviews; later, offers,
deadlines and closures of referrals)."""
