"""Regional minimum hourly wages for part-time work, as loaded by migration 0002.

None of these figures could be checked against the official notice on the machine that wrote
them (it has no access to the web): every row is loaded *unconfirmed*, and the admin and the
API show it so. An operator confirms a row in the admin after reading the notice named in
``source``. Shandong is one row for the province at its first-class (highest) rate, which
protects mothers everywhere in the province until its cities are entered one by one.
"""

import datetime
from decimal import Decimal

GUANGDONG_2025 = "广东省人民政府关于调整我省最低工资标准的通知（2025年3月1日起执行）"
BEIJING_2025 = "北京市人力资源和社会保障局关于调整北京市2025年最低工资标准的通知（2025年9月1日起执行）"
SHANDONG_2025 = "山东省人民政府关于调整全省最低工资标准的通知（2025年）"
UNCHECKED = "Figure recalled from the notice, not checked against it here: confirm before relying on it."

INITIAL = [
    # region, yuan per hour, effective from, source, date of the notice
    ("广州市", "23.70", datetime.date(2025, 3, 1), GUANGDONG_2025),
    ("深圳市", "23.70", datetime.date(2025, 3, 1), GUANGDONG_2025),
    ("珠海市", "18.60", datetime.date(2025, 3, 1), GUANGDONG_2025),
    ("佛山市", "18.60", datetime.date(2025, 3, 1), GUANGDONG_2025),
    ("东莞市", "18.60", datetime.date(2025, 3, 1), GUANGDONG_2025),
    ("中山市", "18.60", datetime.date(2025, 3, 1), GUANGDONG_2025),
    ("汕头市", "17.40", datetime.date(2025, 3, 1), GUANGDONG_2025),
    ("惠州市", "17.40", datetime.date(2025, 3, 1), GUANGDONG_2025),
    ("江门市", "17.40", datetime.date(2025, 3, 1), GUANGDONG_2025),
    ("湛江市", "17.40", datetime.date(2025, 3, 1), GUANGDONG_2025),
    ("肇庆市", "17.40", datetime.date(2025, 3, 1), GUANGDONG_2025),
    ("广东省", "16.40", datetime.date(2025, 3, 1), GUANGDONG_2025),  # the other cities (class 4)
    ("北京市", "27.70", datetime.date(2025, 9, 1), BEIJING_2025),
    ("山东省", "22.00", datetime.date(2025, 10, 1), SHANDONG_2025),
]


def rows():
    for region, rate, effective, source in INITIAL:
        yield {
            "region": region,
            "yuan_per_hour": Decimal(rate),
            "effective_from": effective,
            "source": source,
            "source_date": None,
            "confirmed": False,
            "note": UNCHECKED,
        }
