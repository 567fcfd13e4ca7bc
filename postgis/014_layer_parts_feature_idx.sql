-- layer_parts.feature_id references layer_features ON DELETE CASCADE but had no index, so
-- deleting a version's features (an unchanged harvest dropped, an old version removed) scanned
-- every part once per feature: hours for a national layer. The index makes it a lookup.
CREATE INDEX layer_parts_feature_idx ON layer_parts (feature_id);
