"""Progress photos: checked and re-encoded on upload (no EXIF survives), stored by content hash, shown when approved."""
