"""The 关爱走访 page: the visit board, the visit form, needs and referrals."""
