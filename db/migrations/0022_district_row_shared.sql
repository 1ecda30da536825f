-- The district's org row, one row shared by its communities (issue 15, item 1): nothing to do
-- in SQL. A community enrolled before it takes the district's row once when its file is
-- opened, after the migrations, when the node id and clock are loaded (its changes must be
-- logged to reach the district, which SQL run here cannot do): app.sync.district_row
-- .share_at_open, called by app.database.open_community_db. A new enrollment does the same in
-- app.sync.engine.accept_enroll_response.
SELECT 1;
