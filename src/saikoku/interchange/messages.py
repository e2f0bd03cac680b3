"""The catalogue of import problems: one stable code, a Japanese and an English message
saying what is wrong and how to fix it. docs/import.md lists the same codes.

The report CSV carries both languages in fixed columns (spec §5), so these strings are
not run through gettext.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # --- the ZIP itself -------------------------------------------------------------
    "not_a_zip": (
        "ZIPファイルではありません。区から受け取ったパッケージ（.zip）を指定してください。",
        "The file is not a ZIP archive. Give the package (.zip) received from the ward.",
    ),
    "package_too_large": (
        "パッケージが大きすぎます（{size}バイト、上限{limit}バイト）。"
        "分割するか、上限（IMPORT_MAX_PACKAGE_BYTES）を見直してください。",
        "The package is too large ({size} bytes, limit {limit}). Split it or review "
        "the limit (IMPORT_MAX_PACKAGE_BYTES).",
    ),
    "wrong_password": (
        "パスワードが違うか、指定されていません。区から別送されたパスワードを指定してください。",
        "The password is wrong or missing. Give the password the ward sent separately.",
    ),
    "unsafe_entry_name": (
        "ZIP内のエントリ名「{value}」は安全ではありません（上位フォルダ・絶対パス・"
        "フォルダ・リンク）。ファイルをZIPの最上位に置き直して作成し直してください。",
        "The ZIP entry name '{value}' is unsafe (parent folder, absolute path, folder or "
        "link). Rebuild the ZIP with the files at its top level.",
    ),
    "file_too_large": (
        "{file} が大きすぎます（展開後{size}バイト超、上限{limit}バイト）。"
        "ファイルを分割するか、上限（IMPORT_MAX_FILE_BYTES）を見直してください。",
        "{file} is too large (more than {size} bytes uncompressed, limit {limit}). Split "
        "the file or review the limit (IMPORT_MAX_FILE_BYTES).",
    ),
    "compression_ratio": (
        "{file} の圧縮率が異常です（{ratio}倍、上限{limit}倍）。ZIP爆弾の可能性があるため"
        "取り込みません。区に作成し直しを依頼してください。",
        "{file} is compressed suspiciously well ({ratio}x, limit {limit}x): it may be a "
        "ZIP bomb and is not read. Ask the ward to rebuild the package.",
    ),
    "corrupt_zip": (
        "ZIPファイルが壊れています（{value}）。パッケージを受け取り直してください。",
        "The ZIP archive is damaged ({value}). Obtain the package again.",
    ),
    # --- manifest.json ----------------------------------------------------------------
    "missing_manifest": (
        "manifest.json がありません。パッケージの最上位に manifest.json を入れてください。",
        "manifest.json is missing. Put manifest.json at the top level of the package.",
    ),
    "invalid_manifest": (
        "manifest.json を読めません（{value}）。UTF-8のJSONとして作成し直してください。",
        "manifest.json cannot be read ({value}). Rebuild it as UTF-8 JSON.",
    ),
    "invalid_manifest_field": (
        "manifest.json の「{column}」が不正です（「{value}」）。{expected} としてください。",
        "manifest.json field '{column}' is invalid ('{value}'). Use {expected}.",
    ),
    "wrong_municipality": (
        "団体コード「{value}」はこのセンターの団体（{expected}）ではありません。"
        "正しい区のパッケージか確認してください。",
        "Municipality code '{value}' is not this center's ({expected}). Check that the "
        "package is from the right ward.",
    ),
    "missing_file": (
        "manifest.json に記載された {file} がZIPにありません。ファイルを入れて作成し直して"
        "ください。",
        "{file} is listed in manifest.json but missing from the ZIP. Add it and rebuild "
        "the package.",
    ),
    "missing_required_file": (
        "全件パッケージには {file} が必要です。ファイルを入れて作成し直してください。",
        "A full package must contain {file}. Add it and rebuild the package.",
    ),
    "unlisted_file": (
        "{file} は manifest.json に記載されていません。manifest.json に件数とSHA-256を"
        "記載するか、ファイルを除いてください。",
        "{file} is not listed in manifest.json. List it with its row count and SHA-256, "
        "or remove it.",
    ),
    "unknown_file": (
        "{file} はこの仕様にないファイルです。仕様のファイル名（persons.csv など）にしてください。",
        "{file} is not a file of this specification. Use the specified names (persons.csv, …).",
    ),
    "row_count_mismatch": (
        "{file} のデータ行数が{actual}件ですが、manifest.json では{expected}件です。"
        "ファイルが途中で切れていないか確認し、作成し直してください。",
        "{file} has {actual} data rows but manifest.json says {expected}. Check that the "
        "file is complete and rebuild the package.",
    ),
    "hash_mismatch": (
        "{file} のSHA-256が manifest.json と一致しません。ファイルが改変・破損していないか"
        "確認し、作成し直してください。",
        "The SHA-256 of {file} does not match manifest.json. Check the file was not "
        "changed or damaged and rebuild the package.",
    ),
    # --- CSV structure ----------------------------------------------------------------
    "wrong_encoding": (
        "{file} の{line}行目を {expected} として読めません。manifest.json の encoding と"
        "実際の文字コードを合わせてください。",
        "Line {line} of {file} cannot be decoded as {expected}. Make the manifest's "
        "encoding match the file's real encoding.",
    ),
    "empty_file": (
        "{file} に見出し行がありません。1行目に列名を記入してください。",
        "{file} has no header line. Put the column names on line 1.",
    ),
    "missing_column": (
        "{file} に必須の列「{column}」がありません。見出し行に追加してください。",
        "{file} lacks the required column '{column}'. Add it to the header line.",
    ),
    "duplicate_column": (
        "{file} の見出しに列「{column}」が2回あります。どちらか一方にしてください。",
        "Column '{column}' appears twice in the header of {file}. Keep only one.",
    ),
    "unknown_column": (
        "{file} の列「{column}」は仕様にない列です。値は区職員向けの付加情報として保存します。",
        "Column '{column}' of {file} is not in the specification; its values are kept "
        "as extra information for ward staff.",
    ),
    "field_count": (
        "この行の項目数が{actual}個ですが、見出しは{expected}個です。区切りのカンマや"
        "引用符を確認してください。",
        "This row has {actual} fields but the header has {expected}. Check the commas and quotes.",
    ),
    "unterminated_quote": (
        'この行で始まる引用符（"）が閉じられていません。項目の終わりに " を補うか、'
        '値の中の " を "" と二重にしてください。',
        'A quote (") opened on this line is never closed. Close the field with " or '
        'double the quotes inside the value ("").',
    ),
    "invalid_quote": (
        '引用符（"）の使い方が正しくありません。引用符で囲んだ項目の中の " は "" と'
        "二重にしてください。",
        'Quotes (") are misplaced. Inside a quoted field, write a quote as "".',
    ),
    "field_too_long": (
        "項目が長すぎます（{actual}文字、上限{limit}文字）。引用符の閉じ忘れがないか"
        "確認してください。",
        "The field is too long ({actual} characters, limit {limit}). Check for a "
        "missing closing quote.",
    ),
    # --- values -----------------------------------------------------------------------
    "required": (
        "「{column}」は必須です。値を記入してください。",
        "'{column}' is required. Fill in a value.",
    ),
    "too_long": (
        "「{column}」が長すぎます（{actual}文字、上限{limit}文字）。短くしてください。",
        "'{column}' is too long ({actual} characters, limit {limit}). Shorten it.",
    ),
    "invalid_date": (
        "日付「{value}」は存在しないか、読めません。YYYY-MM-DD または和暦"
        "（令和7年6月30日）で記入してください。",
        "The date '{value}' does not exist or cannot be read. Write YYYY-MM-DD or a "
        "Japanese era date (令和7年6月30日).",
    ),
    "invalid_datetime": (
        "日時「{value}」は存在しないか、読めません。YYYY-MM-DD HH:MM の形で記入してください。",
        "The date-time '{value}' does not exist or cannot be read. Write YYYY-MM-DD HH:MM.",
    ),
    "invalid_amount": (
        "金額「{value}」は数値ではありません。円単位の整数（例 12300、12,300）で記入してください。",
        "The amount '{value}' is not a number. Write whole yen (e.g. 12300 or 12,300).",
    ),
    "negative_amount": (
        "金額「{value}」が負の値です。0以上の円単位の整数で記入してください。",
        "The amount '{value}' is negative. Write zero or more whole yen.",
    ),
    "decimal_amount": (
        "金額「{value}」に小数があります。円単位の整数で記入してください。",
        "The amount '{value}' has decimals. Write whole yen.",
    ),
    "invalid_number": (
        "「{column}」の値「{value}」が正しくありません。{expected}で記入してください。",
        "'{column}' value '{value}' is invalid. Write {expected_en}.",
    ),
    "invalid_flag": (
        "「{column}」の値「{value}」はフラグではありません。1（該当）、0 または空欄"
        "（非該当）で記入してください。",
        "'{column}' value '{value}' is not a flag. Write 1 (yes), 0 or leave it empty (no).",
    ),
    "invalid_choice": (
        "「{column}」の値「{value}」は使えません。{expected} のいずれかにしてください。",
        "'{column}' value '{value}' is not allowed. Use one of {expected}.",
    ),
    "unknown_levy": (
        "税目コード「{value}」は不明です。RT（住民税）、LV（軽自動車税）、NH（国保）の"
        "いずれかにしてください。",
        "Unknown levy code '{value}'. Use RT (resident tax), LV (light vehicle tax) or "
        "NH (national health insurance).",
    ),
    "invalid_kana": (
        "カナ氏名「{value}」にカナ以外の文字があります。カタカナまたはひらがなで記入してください。",
        "The kana name '{value}' contains non-kana characters. Write it in katakana or hiragana.",
    ),
    "invalid_postal_code": (
        "郵便番号「{value}」が正しくありません。7桁（ハイフン可、例 160-0022）で記入してください。",
        "Postal code '{value}' is invalid. Write 7 digits (hyphen allowed, e.g. 160-0022).",
    ),
    "invalid_phone": (
        "電話番号「{value}」は有効な番号ではありません。無効として保存し、架電・SMSには"
        "使いません。",
        "Phone number '{value}' is not a valid number. It is kept, flagged invalid, and "
        "never called or texted.",
    ),
    "duplicate_key": (
        "{key}「{value}」が{first_line}行目と重複しています。どちらか一方にしてください。",
        "{key_en} '{value}' duplicates line {first_line}. Keep only one.",
    ),
    "unknown_reference": (
        "{key}「{value}」が見つかりません。{target} に該当する行を含めてください。",
        "{key_en} '{value}' was not found. Include the matching row in {target}.",
    ),
    "paid_exceeds_amount": (
        "収納済額（{actual}円）が期別額（{expected}円）を超えています。金額を確認してください。",
        "The paid amount ({actual} yen) exceeds the amount due ({expected} yen). Check "
        "the amounts.",
    ),
    "too_many_problems": (
        "{file} の問題が多すぎるため、最初の{shown}件のみ表示しています（全{total}件）。",
        "Too many problems in {file}: only the first {shown} of {total} are listed.",
    ),
}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _shorten(value: object) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def message(code: str, **values: object) -> tuple[str, str]:
    """The Japanese and English message of a code, filled with the given values."""
    ja, en = MESSAGES[code]
    filled = _Blank({key: _shorten(value) for key, value in values.items()})
    return ja.format_map(filled), en.format_map(filled)


__all__ = ["MESSAGES", "message"]
