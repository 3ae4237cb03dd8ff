"""Corpus forms, part A: the shapes of the XLSForm documentation's examples (xlsform.org),
written as markdown tables. Each entry: file name -> table text."""

FORMS = {
    "xlsform_tutorial.md": """
| survey |
| | type | name | label | hint | required | constraint | constraint_message | relevant |
| | today | today | | | | | | |
| | start | start | | | | | | |
| | end | end | | | | | | |
| | deviceid | deviceid | | | | | | |
| | text | name | What is your name? | First and last name | yes | | | |
| | integer | age | How old are you? | | yes | . >= 0 and . <= 120 | Age must be 0 to 120 | |
| | select_one gender | gender | Gender | | yes | | | |
| | select_multiple fruits | fruits | Which fruits do you like? | | | | | |
| | text | fav_fruit_why | Why do you like ${fruits}? | | | | | ${fruits} != '' |
| | note | thanks | Thank you, ${name}! | | | | | |
| choices |
| | list_name | name | label |
| | gender | male | Male |
| | gender | female | Female |
| | fruits | apple | Apple |
| | fruits | banana | Banana |
| | fruits | mango | Mango |
| settings |
| | form_title | form_id | version |
| | Tutorial | tutorial | 2024081301 |
""",
    "question_types.md": """
| survey |
| | type | name | label | appearance | calculation |
| | integer | int_q | Integer | | | |
| | decimal | dec_q | Decimal | | |
| | range | range_q | Range | | |
| | text | text_q | Text | multiline | |
| | select_one yn | s1 | Select one | minimal | |
| | select_multiple colors | sm | Select many | horizontal | |
| | rank colors | rank_q | Rank the colours | | |
| | note | note_q | A note | | |
| | geopoint | gp | Point | | |
| | geotrace | gt | Line | | |
| | geoshape | gs | Area | | |
| | date | d | Date | | |
| | time | t | Time | | |
| | dateTime | dt | Date and time | | |
| | image | img | Photo | | |
| | audio | aud | Audio | | |
| | video | vid | Video | | |
| | file | fil | File | | |
| | barcode | bc | Barcode | | |
| | calculate | calc | | | ${int_q} * 2 |
| | acknowledge | ack | Acknowledge | | |
| | hidden | hid | | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
| | colors | red | Red |
| | colors | green | Green |
| | colors | blue | Blue |
""",
    "cascading_selects.md": """
| survey |
| | type | name | label | choice_filter |
| | select_one state | state | State | |
| | select_one county | county | County | state=${state} |
| | select_one city | city | City | state=${state} and county=${county} |
| choices |
| | list_name | name | label | state | county |
| | state | texas | Texas | | |
| | state | washington | Washington | | |
| | county | brewster | Brewster | texas | |
| | county | harris | Harris | texas | |
| | county | king | King | washington | |
| | county | pierce | Pierce | washington | |
| | city | dumont | Dumont | texas | brewster |
| | city | finney | Finney | texas | brewster |
| | city | brownsville | Brownsville | texas | harris |
| | city | harlingen | Harlingen | texas | harris |
| | city | seattle | Seattle | washington | king |
| | city | redmond | Redmond | washington | king |
| | city | tacoma | Tacoma | washington | pierce |
| | city | puyallup | Puyallup | washington | pierce |
""",
    "repeat_household.md": """
| survey |
| | type | name | label | required | calculation | relevant |
| | integer | hh_size | How many people live here? | yes | | |
| | begin_repeat | member | Household member | | | |
| | text | m_name | Name | yes | | |
| | integer | m_age | Age | yes | | |
| | select_one sex | m_sex | Sex | yes | | |
| | text | m_school | School | | | ${m_age} >= 6 and ${m_age} <= 18 |
| | end_repeat | | | | | |
| | calculate | n_members | | | count(${member}) | |
| | calculate | total_age | | | sum(${m_age}) | |
| | note | summary | ${n_members} members, total age ${total_age} | | | |
| choices |
| | list_name | name | label |
| | sex | m | Male |
| | sex | f | Female |
""",
    "repeat_count_plots.md": """
| survey |
| | type | name | label | repeat_count | calculation | constraint |
| | integer | n_plots | Number of plots | | | . > 0 and . < 6 |
| | begin_repeat | plot | Plot | ${n_plots} | | |
| | calculate | plot_no | | | position(..) | |
| | decimal | plot_area | Area of plot ${plot_no} (ha) | | | . > 0 |
| | select_one crop | plot_crop | Main crop | | | |
| | end_repeat | | | | | |
| | calculate | total_area | | | sum(${plot_area}) | |
| choices |
| | list_name | name | label |
| | crop | rice | Rice |
| | crop | maize | Maize |
| | crop | coffee | Coffee |
""",
    "or_other_basic.md": """
| survey |
| | type | name | label | required |
| | select_one source or_other | water_source | Main source of drinking water | yes |
| | select_multiple fuel or_other | fuel | Cooking fuel | |
| choices |
| | list_name | name | label |
| | source | tap | Piped water |
| | source | well | Protected well |
| | source | river | River |
| | fuel | wood | Firewood |
| | fuel | gas | LPG |
""",
    "multilingual.md": """
| survey |
| | type | name | label::English (en) | label::Bahasa Indonesia (id) | hint::English (en) | hint::Bahasa Indonesia (id) | constraint_message::English (en) | constraint_message::Bahasa Indonesia (id) | constraint |
| | text | nama | Name | Nama | Full name | Nama lengkap | | | |
| | integer | umur | Age | Umur | | | Too old | Terlalu tua | . < 130 |
| | select_one ya_tidak | setuju | Do you agree? | Apakah Anda setuju? | | | | | |
| choices |
| | list_name | name | label::English (en) | label::Bahasa Indonesia (id) |
| | ya_tidak | ya | Yes | Ya |
| | ya_tidak | tidak | No | Tidak |
| settings |
| | form_id | default_language | version |
| | multilingual | Bahasa Indonesia (id) | 3 |
""",
    "groups_fieldlist.md": """
| survey |
| | type | name | label | appearance | relevant |
| | begin_group | respondent | Respondent | field-list | |
| | text | r_name | Name | | |
| | integer | r_age | Age | | |
| | end_group | | | | |
| | begin_group | consent_grp | Consent | | |
| | acknowledge | consent | I agree to take part | | |
| | begin_group | inner | Details | field-list | ${consent} = 'OK' |
| | text | phone | Phone | numbers | |
| | end_group | | | | |
| | end_group | | | | |
""",
    "likert_scale.md": """
| survey |
| | type | name | label | appearance |
| | begin_group | satisfaction | How satisfied are you with | field-list |
| | select_one agree | s_service | The service | likert |
| | select_one agree | s_staff | The staff | likert |
| | select_one agree | s_speed | The speed | likert |
| | end_group | | | |
| choices |
| | list_name | name | label |
| | agree | 1 | Strongly disagree |
| | agree | 2 | Disagree |
| | agree | 3 | Neutral |
| | agree | 4 | Agree |
| | agree | 5 | Strongly agree |
""",
    "range_widgets.md": """
| survey |
| | type | name | label | parameters | appearance |
| | range | pain | Pain level | start=0 end=10 step=1 | |
| | range | temp | Water temperature | start=10;end=40;step=0.5 | vertical |
| | range | rating | Rating | start=5 end=1 step=1 | rating |
""",
    "geo_survey.md": """
| survey |
| | type | name | label | parameters | calculation |
| | start-geopoint | start_location | | | |
| | geopoint | house | House location | capture-accuracy=10 warning-accuracy=20 | |
| | geotrace | road | Walk the road | | |
| | geoshape | field | Walk around the field | | |
| | calculate | road_length | | | distance(${road}) |
| | calculate | field_area | | | area(${field}) |
| | note | show | Road ${road_length} m, field ${field_area} m2 | | |
""",
    "media_capture.md": """
| survey |
| | type | name | label | parameters | required |
| | image | photo | Photo of the building | max-pixels=1024 | yes |
| | audio | interview | Record the answer | quality=normal | |
| | video | walkthrough | Short video | | |
| | file | document | Attach the document | | |
| | barcode | asset_tag | Scan the asset tag | | yes |
""",
    "calculations.md": """
| survey |
| | type | name | label | calculation | relevant |
| | decimal | price | Price per kg | | |
| | integer | kg | Kilograms | | |
| | calculate | total | | ${price} * ${kg} | |
| | calculate | total_round | | round(${total}, 0) | |
| | calculate | big | | if(${total} > 100000, 'yes', 'no') | |
| | note | n_total | Total: ${total_round} | | |
| | text | why_big | Why so much? | | ${big} = 'yes' |
| | calculate | today_str | | format-date(today(), '%Y-%m-%d') | |
| | calculate | uid | | concat('uuid:', uuid()) | |
""",
    "constraints_regex.md": """
| survey |
| | type | name | label | constraint | constraint_message | required |
| | text | nik | NIK | regex(., '^[0-9]{16}$') | 16 digits | yes |
| | text | phone | Phone | regex(., '^08[0-9]{8,11}$') | Starts with 08 | |
| | text | email | Email | regex(., '^[^@]+@[^@]+$') | Email | |
| | date | visit | Visit date | . <= today() | Not in the future | yes |
| | integer | children | Children | . >= 0 and . <= 20 | | yes |
""",
    "select_from_file_villages.md": """
| survey |
| | type | name | label | choice_filter |
| | select_one_from_file districts.csv | district | District | |
| | select_one_from_file villages.csv | village | Village | district=${district} |
| | select_multiple_from_file facilities.xml | facilities | Facilities present | |
""",
    "external_choices_form.md": """
| survey |
| | type | name | label | choice_filter |
| | select_one province | province | Province | |
| | select_one_external regency | regency | Regency | province=${province} |
| choices |
| | list_name | name | label |
| | province | sumsel | Sumatera Selatan |
| | province | jambi | Jambi |
| external_choices |
| | list_name | name | label | province |
| | regency | plg | Kota Palembang | sumsel |
| | regency | mura | Kabupaten Musi Rawas | sumsel |
| | regency | jmb | Kota Jambi | jambi |
""",
    "trigger_and_notes.md": """
| survey |
| | type | name | label | required |
| | note | intro | Welcome. Read the consent form to the respondent. | |
| | trigger | consent_read | I have read the consent form | yes |
| | text | respondent | Respondent name | yes |
| | note | bye | Thank you. | |
""",
    "hidden_defaults.md": """
| survey |
| | type | name | label | default | calculation |
| | hidden | project | | PKP2024 | |
| | text | enumerator | Enumerator | Budi | |
| | integer | visits | Visits | 1 | |
| | calculate | code | | | concat(${project}, '-', ${enumerator}) |
""",
    "rank_priorities.md": """
| survey |
| | type | name | label | parameters |
| | rank priorities | ranking | Rank the priorities of your village | randomize=true |
| choices |
| | list_name | name | label |
| | priorities | roads | Roads |
| | priorities | water | Clean water |
| | priorities | school | School |
| | priorities | clinic | Clinic |
""",
    "settings_variants.md": """
| survey |
| | type | name | label |
| | text | q1 | Question |
| settings |
| | form_title | form_id | version | instance_name | submission_url | auto_send | style |
| | Settings demo | settings_demo | 2024-08-13 | concat('Q-', ${q1}) | https://example.org/submission | true | pages |
""",
    "nested_repeats.md": """
| survey |
| | type | name | label | calculation |
| | begin_repeat | building | Building | |
| | text | b_name | Building name | |
| | begin_repeat | room | Room | |
| | text | r_name | Room name | |
| | integer | r_people | People in the room | |
| | end_repeat | | | |
| | calculate | b_people | | sum(${r_people}) |
| | end_repeat | | | |
""",
    "skip_logic.md": """
| survey |
| | type | name | label | relevant | required |
| | select_one yn | has_job | Do you have a job? | | yes |
| | text | job | What is your job? | selected(${has_job}, 'yes') | yes |
| | integer | income | Monthly income | selected(${has_job}, 'yes') | |
| | select_one reason | no_job_reason | Why not? | ${has_job} = 'no' | yes |
| | text | other_reason | Describe | selected(${no_job_reason}, 'other') | yes |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
| | reason | study | Studying |
| | reason | care | Caring for family |
| | reason | other | Other |
""",
    "search_appearance.md": """
| survey |
| | type | name | label | appearance |
| | select_one fruit | fruit | Fruit | search('fruits') |
| choices |
| | list_name | name | label |
| | fruit | name_key | name |
""",
    "entities_registration.md": """
| survey |
| | type | name | label |
| | text | tree_species | Tree species |
| | geopoint | location | Location |
| entities |
| | list_name | label |
| | trees | ${tree_species} |
""",
    "encrypted_form.md": """
| survey |
| | type | name | label |
| | text | secret | Confidential answer |
| settings |
| | form_id | public_key |
| | encrypted_demo | MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA |
""",
    "background_audio.md": """
| survey |
| | type | name | label |
| | background-audio | recording | |
| | text | q | Question |
""",
    "quick_appearance.md": """
| survey |
| | type | name | label | appearance |
| | select_one yn | q1 | First | quick |
| | select_one yn | q2 | Second | quick |
| | select_multiple yn | q3 | Third | columns |
| | integer | q4 | Count | thousands-sep |
| | date | q5 | Month | month-year |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
""",
}
