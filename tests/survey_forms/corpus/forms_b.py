"""Corpus forms, part B: forms shaped like KoboToolbox and ODK template-library forms. The
generator writes the ``.csv`` and ``.xlsx`` ones in those formats."""

FORMS = {
    "kobo_wash_household.xlsx": """
| survey |
| | type | name | label::English (en) | label::Bahasa Indonesia (id) | required | relevant | appearance | constraint |
| | start | start | | | | | | |
| | end | end | | | | | | |
| | today | today | | | | | | |
| | username | username | | | | | | |
| | begin_group | hh | Household | Rumah tangga | | | field-list | |
| | text | hh_head | Head of household | Kepala rumah tangga | yes | | | |
| | integer | hh_members | Members | Anggota | yes | | | . > 0 and . < 40 |
| | end_group | | | | | | | |
| | select_one water or_other | water_main | Main water source | Sumber air utama | yes | | minimal | |
| | integer | water_minutes | Minutes to collect water | Menit untuk mengambil air | | not(selected(${water_main}, 'piped')) | | . >= 0 |
| | select_one yn | treat | Do you treat water? | Apakah air diolah? | yes | | horizontal | |
| | select_multiple treatment | treat_how | How? | Bagaimana? | yes | ${treat} = 'yes' | | |
| | select_one latrine | latrine | Type of toilet | Jenis jamban | yes | | | |
| | image | latrine_photo | Photo of toilet | Foto jamban | | ${latrine} != 'none' | | |
| | geopoint | gps | Location | Lokasi | | | | |
| choices |
| | list_name | name | label::English (en) | label::Bahasa Indonesia (id) |
| | water | piped | Piped | Perpipaan |
| | water | well | Well | Sumur |
| | water | rain | Rain water | Air hujan |
| | water | bottled | Bottled | Kemasan |
| | yn | yes | Yes | Ya |
| | yn | no | No | Tidak |
| | treatment | boil | Boil | Direbus |
| | treatment | filter | Filter | Disaring |
| | treatment | chlorine | Chlorine | Klorin |
| | latrine | flush | Flush toilet | Jamban siram |
| | latrine | pit | Pit latrine | Cubluk |
| | latrine | none | None | Tidak ada |
| settings |
| | form_title | form_id | version | default_language |
| | WASH household | wash_hh | 1 | English (en) |
""",
    "kobo_market_prices.xlsx": """
| survey |
| | type | name | label | required | constraint | calculation | repeat_count |
| | date | survey_date | Date | yes | . <= today() | | |
| | select_one market | market | Market | yes | | | |
| | begin_repeat | item | Commodity | | | | |
| | select_one commodity | commodity | Commodity | yes | | | |
| | decimal | price | Price (Rp) | yes | . > 0 | | |
| | select_one unit | unit | Unit | yes | | | |
| | end_repeat | | | | | | |
| | calculate | n_items | | | | count(${item}) | |
| | calculate | max_price | | | | max(${price}) | |
| choices |
| | list_name | name | label |
| | market | cinde | Pasar Cinde |
| | market | 16ilir | Pasar 16 Ilir |
| | commodity | rice | Rice |
| | commodity | chili | Chili |
| | commodity | egg | Eggs |
| | unit | kg | kg |
| | unit | litre | litre |
""",
    "odk_health_facility.xlsx": """
| survey |
| | type | name | label | hint | required | relevant | constraint | choice_filter | calculation |
| | select_one region | region | Region | | yes | | | | |
| | select_one district | district | District | | yes | | | region=${region} | |
| | text | facility | Facility name | | yes | | | | |
| | select_one ftype | ftype | Facility type | | yes | | | | |
| | integer | beds | Number of beds | | | ${ftype} = 'hospital' | . >= 0 | | |
| | select_multiple services | services | Services offered | Select all | yes | | | | |
| | integer | staff_doctors | Doctors | | yes | | . >= 0 | | |
| | integer | staff_nurses | Nurses | | yes | | . >= 0 | | |
| | calculate | staff_total | | | | | | | ${staff_doctors} + ${staff_nurses} |
| | time | open_time | Opening time | | | | | | |
| | dateTime | visit_time | Time of visit | | | | | | |
| choices |
| | list_name | name | label | region |
| | region | north | North | |
| | region | south | South | |
| | district | n1 | North 1 | north |
| | district | n2 | North 2 | north |
| | district | s1 | South 1 | south |
| | ftype | hospital | Hospital | |
| | ftype | clinic | Clinic | |
| | ftype | post | Health post | |
| | services | anc | Antenatal care | |
| | services | vacc | Vaccination | |
| | services | lab | Laboratory | |
""",
    "school_assessment.xlsx": """
| survey |
| | type | name | label | appearance | required | parameters | calculation |
| | text | school_name | School name | | yes | | |
| | barcode | school_code | Scan the school code | | | | |
| | integer | pupils_boys | Boys enrolled | numbers | yes | | |
| | integer | pupils_girls | Girls enrolled | numbers | yes | | |
| | calculate | pupils | | | | | ${pupils_boys} + ${pupils_girls} |
| | range | condition | Condition of the building (1-5) | | yes | start=1 end=5 step=1 | |
| | select_multiple facilities | facilities | Facilities | | | | |
| | image | front | Photo of the school front | | | | |
| | geopoint | location | Location | | | | |
| choices |
| | list_name | name | label |
| | facilities | water | Water |
| | facilities | toilet | Toilets |
| | facilities | power | Electricity |
| | facilities | library | Library |
""",
    "agriculture_plots.xlsx": """
| survey |
| | type | name | label | required | repeat_count | calculation | relevant |
| | text | farmer | Farmer name | yes | | | |
| | integer | n_plots | How many plots? | yes | | | |
| | begin_repeat | plot | Plot | | ${n_plots} | | |
| | geoshape | plot_shape | Walk the plot boundary | | | | |
| | calculate | plot_area | | | | area(${plot_shape}) | |
| | select_one crop or_other | plot_crop | Crop | yes | | | |
| | select_one yn | irrigated | Irrigated? | yes | | | |
| | text | irrig_source | Irrigation source | | | | ${irrigated} = 'yes' |
| | end_repeat | | | | | | |
| choices |
| | list_name | name | label |
| | crop | rice | Rice |
| | crop | rubber | Rubber |
| | crop | palm | Oil palm |
| | yn | yes | Yes |
| | yn | no | No |
""",
    "covid_screening.xlsx": """
| survey |
| | type | name | label | required | relevant | constraint | calculation |
| | decimal | temperature | Body temperature (C) | yes | | . > 30 and . < 45 | |
| | select_multiple symptoms | symptoms | Symptoms | yes | | not(selected(., 'none') and count-selected(.) > 1) | |
| | date | onset | Date symptoms started | yes | not(selected(${symptoms}, 'none')) | . <= today() | |
| | select_one yn | contact | Contact with a confirmed case? | yes | | | |
| | calculate | risk | | | | | if(${temperature} >= 38 or ${contact} = 'yes', 'high', 'low') |
| choices |
| | list_name | name | label |
| | symptoms | fever | Fever |
| | symptoms | cough | Cough |
| | symptoms | breath | Shortness of breath |
| | symptoms | none | None |
| | yn | yes | Yes |
| | yn | no | No |
""",
    "livelihood_multilang.xlsx": """
| survey |
| | type | name | label::English (en) | label::Français (fr) | hint::English (en) | required |
| | select_one activity | activity | Main activity | Activité principale | | yes |
| | integer | income | Monthly income | Revenu mensuel | In local currency | yes |
| | select_one yn | savings | Do you save? | Épargnez-vous ? | | yes |
| choices |
| | list_name | name | label::English (en) | label::Français (fr) |
| | activity | farm | Farming | Agriculture |
| | activity | trade | Trade | Commerce |
| | activity | wage | Wage labour | Salariat |
| | yn | yes | Yes | Oui |
| | yn | no | No | Non |
""",
    "dynamic_choices_from_repeat.xlsx": """
| survey |
| | type | name | label |
| | begin_repeat | members | Members |
| | text | m_name | Name |
| | end_repeat | | |
| | select_one ${m_name} | head | Who is the head of household? |
""",
    "village_profile.csv": """
| survey |
| | type | name | label | required | constraint |
| | text | village | Village name | yes | |
| | integer | population | Population | yes | . > 0 |
| | integer | households | Households | yes | . > 0 and . <= ${population} |
| | select_one yn | has_market | Is there a market? | yes | |
| | select_one yn | has_school | Is there a school? | yes | |
| | geopoint | center | Village centre | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
| settings |
| | form_id | form_title |
| | village_profile | Village profile |
""",
    "road_inspection.csv": """
| survey |
| | type | name | label | required | calculation |
| | text | road_name | Road name | yes | |
| | geotrace | road_line | Trace the road | yes | |
| | calculate | length_m | | | distance(${road_line}) |
| | select_one condition | surface | Surface condition | yes | |
| | image | damage_photo | Photo of damage | | |
| | video | drive_video | Drive-through video | | |
| choices |
| | list_name | name | label |
| | condition | good | Good |
| | condition | fair | Fair |
| | condition | poor | Poor |
""",
    "complaint_register.csv": """
| survey |
| | type | name | label | required | relevant |
| | start | start | | | |
| | end | end | | | |
| | select_one channel or_other | channel | How was the complaint received? | yes | |
| | text | complaint | Complaint | yes | |
| | select_one yn | anonymous | Anonymous? | yes | |
| | text | complainant | Name of complainant | yes | ${anonymous} = 'no' |
| | file | evidence | Evidence document | | |
| | audio | voice | Voice note | | |
| choices |
| | list_name | name | label |
| | channel | phone | Phone |
| | channel | visit | Visit |
| | channel | letter | Letter |
| | yn | yes | Yes |
| | yn | no | No |
""",
    "budget_monitoring.csv": """
| survey |
| | type | name | label | required | constraint | calculation |
| | text | program | Program name | yes | | |
| | decimal | budget | Budget (Rp) | yes | . > 0 | |
| | decimal | spent | Spent (Rp) | yes | . >= 0 | |
| | calculate | absorption | | | | round(${spent} div ${budget} * 100, 1) |
| | note | show | Absorption: ${absorption}% | | | |
| | select_one yn | on_time | On schedule? | yes | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
""",
    "pulldata_lookup.csv": """
| survey |
| | type | name | label | calculation |
| | text | code | Item code | |
| | calculate | price | | pulldata('prices', 'price', 'code', ${code}) |
""",
    "group_relevance.csv": """
| survey |
| | type | name | label | relevant |
| | select_one yn | farmer | Are you a farmer? | |
| | begin_group | farm | Farm | ${farmer} = 'yes' |
| | decimal | farm_size | Farm size (ha) | |
| | select_multiple crops | crops | Crops | |
| | end_group | | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
| | crops | rice | Rice |
| | crops | corn | Corn |
""",
    "public_service_observation.csv": """
| survey |
| | type | name | label | appearance | required |
| | begin_group | obs | Observation | field-list | |
| | select_one score | queue | Queue order | likert | yes |
| | select_one score | signage | Signs and prices shown | likert | yes |
| | select_one score | staff | Staff behaviour | likert | yes |
| | end_group | | | | |
| | text | notes | Notes | multiline | |
| | image | photo | Photo | | |
| choices |
| | list_name | name | label |
| | score | 1 | Poor |
| | score | 2 | Fair |
| | score | 3 | Good |
""",
    "from_file_beside.md": """
| survey |
| | type | name | label | parameters |
| | select_one_from_file districts.csv | district | District | |
| | select_one_from_file items.csv | item | Item | value=code label=title |
""",
    "instance_xml_external.md": """
| survey |
| | type | name | label | calculation |
| | xml-external | houses | | |
| | text | h | House | |
""",
    "meta_everything.md": """
| survey |
| | type | name | label |
| | start | start | |
| | end | end | |
| | today | today | |
| | deviceid | deviceid | |
| | username | username | |
| | start-geopoint | sgp | |
| | text | q | Question |
""",
    "older_spellings.md": """
| survey |
| | type | name | label:English | relevance | constraint message |
| | q string | name | Name | | |
| | select one from yn | ok | OK? | | |
| | add integer prompt | n | Number | ${ok} = 'y' | positive |
| | trigger | t | Press | | |
| choices |
| | list name | value | label:English |
| | yn | y | Yes |
| | yn | n | No |
""",
    "kobo_default_meta.xlsx": """
| survey |
| | type | name | label | required |
| | start | start | | |
| | end | end | | |
| | audit | audit | | |
| | select_one services or specify other | service | Which service did you use? | yes |
| | integer | wait | Minutes waited | yes |
| choices |
| | list_name | name | label |
| | services | ktp | ID card |
| | services | kk | Family card |
""",
}
