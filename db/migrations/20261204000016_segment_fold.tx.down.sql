DROP FUNCTION segment_fold(text);
