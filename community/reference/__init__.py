"""Reference data: prefectures, population bands, infrastructure fields and topics."""
