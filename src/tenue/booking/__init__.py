"""Booking: a read document becomes a proposed entry (EntryProposal), posted on its own when tenue
is sure enough, otherwise reviewed by the accountant; every correction is learned at once."""
