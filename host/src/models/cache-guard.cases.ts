/**
 * The semantic cache's test set: pairs of prompts, English and Korean. Written for Easel
 * (issue 14, item 8) on 2026-12-07 by its developers; no outside source. The prompts are
 * long on purpose: the longer the prompt, the closer a one-word change stays to it, so most
 * near misses are above the 0.95 threshold on similarity alone (bench/semantic-cache.ts prints
 * each pair's similarity with the emulator's embeddings).
 *
 * - NEAR_MISSES ask different questions (a negation, a number, a date, a name differs or moves):
 *   they must never share an answer, whatever the similarity.
 * - PARAPHRASES ask the same question (case, punctuation, clause order, a "please"): the guard
 *   lets them share an answer; whether they do is the similarity threshold's call.
 */

export interface GuardCase {
  lang: 'en' | 'ko';
  /** What differs: negation, number, date or entity (near misses); how it is reworded (paraphrases). */
  kind: string;
  a: string;
  b: string;
}

const EMAIL = 'Write a short polite email to my team saying that I will arrive at the office on Monday';
const EMAIL_KO = '팀원들에게 제가 월요일에 사무실에 도착한다고 짧고 정중한 이메일을 써 주세요';

export const NEAR_MISSES: readonly GuardCase[] = [
  { lang: 'en', kind: 'negation', a: EMAIL, b: 'Write a short polite email to my team saying that I will not arrive at the office on Monday' },
  { lang: 'en', kind: 'negation', a: 'Tell the customer that the refund has been approved and that the money will reach their account within five working days', b: "Tell the customer that the refund hasn't been approved and that the money will reach their account within five working days" },
  { lang: 'en', kind: 'negation', a: 'Explain to the new employee that they should always lock the server room door when they leave the building at night', b: 'Explain to the new employee that they should never lock the server room door when they leave the building at night' },
  { lang: 'en', kind: 'negation', a: 'Give me a recipe for a chocolate birthday cake that can be baked with eggs and butter for twelve guests', b: 'Give me a recipe for a chocolate birthday cake that can be baked without eggs and butter for twelve guests' },
  { lang: 'en', kind: 'negation', a: 'Summarise the incident report from the warehouse and say that there were injuries among the workers on the night shift', b: 'Summarise the incident report from the warehouse and say that there were no injuries among the workers on the night shift' },
  { lang: 'en', kind: 'negation', a: 'I like apples but not oranges, so suggest a fruit salad recipe for a picnic with my friends from school', b: 'I like oranges but not apples, so suggest a fruit salad recipe for a picnic with my friends from school' },
  { lang: 'en', kind: 'number', a: 'Book a table for 2 people at the Italian restaurant near the station for dinner tonight at 7 pm', b: 'Book a table for 4 people at the Italian restaurant near the station for dinner tonight at 7 pm' },
  { lang: 'en', kind: 'number', a: 'Write a short story for young children about three little pigs who build their houses of straw, sticks and bricks', b: 'Write a short story for young children about four little pigs who build their houses of straw, sticks and bricks' },
  { lang: 'en', kind: 'number', a: 'Plan a holiday on Jeju island for 2 adults and 3 children with a budget of 2000 dollars for the whole trip', b: 'Plan a holiday on Jeju island for 3 adults and 2 children with a budget of 2000 dollars for the whole trip' },
  { lang: 'en', kind: 'number', a: 'Rewrite the following paragraph of our company newsletter so that it sounds more formal and keep the meaning of every sentence', b: 'Rewrite the following paragraph of our company newsletter so that it sounds less formal and keep the meaning of every sentence' },
  { lang: 'en', kind: 'number', a: 'Archive all of the support tickets in the shared inbox that were closed by the billing team and list what was archived', b: 'Archive some of the support tickets in the shared inbox that were closed by the billing team and list what was archived' },
  { lang: 'en', kind: 'number', a: 'Explain the first step of the installation guide for the payment plugin in simple words for a complete beginner', b: 'Explain the second step of the installation guide for the payment plugin in simple words for a complete beginner' },
  { lang: 'en', kind: 'number', a: 'Write a product description for the new hiking backpack that is at least 200 words long and mentions the lifetime warranty', b: 'Write a product description for the new hiking backpack that is at most 200 words long and mentions the lifetime warranty' },
  { lang: 'en', kind: 'date', a: 'Remind the whole team that the quarterly planning meeting takes place on Monday morning in the big room on the third floor', b: 'Remind the whole team that the quarterly planning meeting takes place on Tuesday morning in the big room on the third floor' },
  { lang: 'en', kind: 'date', a: 'Summarise the customer complaints we received yesterday and group them by product, by region and by how serious they are', b: 'Summarise the customer complaints we received today and group them by product, by region and by how serious they are' },
  { lang: 'en', kind: 'date', a: 'Write a friendly invitation to the company picnic that will be held in March at the riverside park with food and games', b: 'Write a friendly invitation to the company picnic that will be held in April at the riverside park with food and games' },
  { lang: 'en', kind: 'date', a: 'Send a friendly reminder to pay the electricity bill before the end of the month so that the late fee is avoided', b: 'Send a friendly reminder to pay the electricity bill after the end of the month so that the late fee is avoided' },
  { lang: 'en', kind: 'date', a: 'Set up a meeting with the design team at 9 am on Friday to review the new logo proposals and the colour palette', b: 'Set up a meeting with the design team at 9 pm on Friday to review the new logo proposals and the colour palette' },
  { lang: 'en', kind: 'date', a: 'Remind me to water the plants in the office every 2 days while the office manager is away on holiday', b: 'Remind me to water the plants in the office every 2 weeks while the office manager is away on holiday' },
  { lang: 'en', kind: 'date', a: 'Our shop in the city centre is open from Monday to Friday, so write a sign that says so for the front window', b: 'Our shop in the city centre is open from Friday to Monday, so write a sign that says so for the front window' },
  { lang: 'en', kind: 'entity', a: 'Write a short travel guide for a first visit to Busan with tips about street food, public transport and the best beaches', b: 'Write a short travel guide for a first visit to Seoul with tips about street food, public transport and the best beaches' },
  { lang: 'en', kind: 'entity', a: 'Find the cheapest flight from Seoul to Tokyo for the coming holidays and list the departure times of each airline', b: 'Find the cheapest flight from Tokyo to Seoul for the coming holidays and list the departure times of each airline' },
  { lang: 'en', kind: 'entity', a: 'Write a tweet announcing our new coffee blend called "Blue Sky" and invite everyone to the tasting at our shop', b: 'Write a tweet announcing our new coffee blend called "Blue Sea" and invite everyone to the tasting at our shop' },
  { lang: 'en', kind: 'entity', a: 'Explain the difference between TCP and UDP for a junior developer who is just starting to learn about computer networks', b: 'Explain the difference between TCP and QUIC for a junior developer who is just starting to learn about computer networks' },
  { lang: 'ko', kind: 'negation', a: EMAIL_KO, b: '팀원들에게 제가 월요일에 사무실에 도착하지 않는다고 짧고 정중한 이메일을 써 주세요' },
  { lang: 'ko', kind: 'negation', a: '팀장님께 제가 내일 아침 회의에 간다고 정중하게 알리는 메시지를 써 주세요', b: '팀장님께 제가 내일 아침 회의에 안 간다고 정중하게 알리는 메시지를 써 주세요' },
  { lang: 'ko', kind: 'negation', a: '고객에게 이번 주 금요일까지 보고서를 제출할 수 있다고 알리는 이메일을 써 주세요', b: '고객에게 이번 주 금요일까지 보고서를 제출할 수 없다고 알리는 이메일을 써 주세요' },
  { lang: 'ko', kind: 'negation', a: '친구에게 오늘 밤 생일 파티에 갈 수 있다고 알리는 짧은 문자를 써 주세요', b: '친구에게 오늘 밤 생일 파티에 못 간다고 알리는 짧은 문자를 써 주세요' },
  { lang: 'ko', kind: 'negation', a: '이 시계는 방수 제품이라고 설명하는 상품 소개 글을 친절하게 써 주세요', b: '이 시계는 방수 제품이 아니라고 설명하는 상품 소개 글을 친절하게 써 주세요' },
  { lang: 'ko', kind: 'negation', a: '회의실에 음식을 가지고 들어오세요 라는 안내문을 정중하게 써 주세요', b: '회의실에 음식을 가지고 들어오지 마세요 라는 안내문을 정중하게 써 주세요' },
  { lang: 'ko', kind: 'negation', a: '이 아파트 단지에는 넓은 지하 주차장이 있다고 설명하는 광고 문구를 써 주세요', b: '이 아파트 단지에는 넓은 지하 주차장이 없다고 설명하는 광고 문구를 써 주세요' },
  { lang: 'ko', kind: 'negation', a: '거래처 담당자에게 제가 그분의 새 사무실 주소를 안다고 답장해 주세요', b: '거래처 담당자에게 제가 그분의 새 사무실 주소를 모른다고 답장해 주세요' },
  { lang: 'ko', kind: 'number', a: '다음 주 토요일 저녁 7시에 4명이 앉을 수 있는 식당 자리를 예약해 주세요', b: '다음 주 토요일 저녁 7시에 6명이 앉을 수 있는 식당 자리를 예약해 주세요' },
  { lang: 'ko', kind: 'number', a: '아이들을 위해 아기 돼지 세 마리가 집을 짓는 이야기를 짧은 동화로 써 주세요', b: '아이들을 위해 아기 돼지 네 마리가 집을 짓는 이야기를 짧은 동화로 써 주세요' },
  { lang: 'ko', kind: 'number', a: '이 노트북의 할인 가격이 삼십만 원이라고 알리는 광고 문구를 만들어 주세요', b: '이 노트북의 할인 가격이 오십만 원이라고 알리는 광고 문구를 만들어 주세요' },
  { lang: 'ko', kind: 'number', a: '오만 원 이상 구매한 고객에게 무료 배송을 안내하는 문자를 써 주세요', b: '오만 원 이하 구매한 고객에게 무료 배송을 안내하는 문자를 써 주세요' },
  { lang: 'ko', kind: 'number', a: '다음 문장을 더 격식 있게 바꿔 주세요: 내일 회의는 오후에 시작합니다', b: '다음 문장을 덜 격식 있게 바꿔 주세요: 내일 회의는 오후에 시작합니다' },
  { lang: 'ko', kind: 'date', a: '이번 주 수요일 오후에 팀 회의가 있다고 알리는 공지문을 써 주세요', b: '이번 주 목요일 오후에 팀 회의가 있다고 알리는 공지문을 써 주세요' },
  { lang: 'ko', kind: 'date', a: '어제 받은 고객 문의를 제품별로 정리해서 요약해 주세요', b: '오늘 받은 고객 문의를 제품별로 정리해서 요약해 주세요' },
  { lang: 'ko', kind: 'date', a: '삼월에 열리는 회사 야유회 초대장을 친근한 말투로 써 주세요', b: '사월에 열리는 회사 야유회 초대장을 친근한 말투로 써 주세요' },
  { lang: 'ko', kind: 'date', a: '우리 매장은 월요일부터 금요일까지 문을 연다는 안내문을 써 주세요', b: '우리 매장은 금요일부터 월요일까지 문을 연다는 안내문을 써 주세요' },
  { lang: 'ko', kind: 'date', a: '내일 오전 9시에 디자인 팀과 새 로고 검토 회의를 잡아 주세요', b: '내일 오후 9시에 디자인 팀과 새 로고 검토 회의를 잡아 주세요' },
  { lang: 'ko', kind: 'date', a: '점심 식사 전에 먹어야 하는 감기약에 대한 복용 안내문을 써 주세요', b: '점심 식사 후에 먹어야 하는 감기약에 대한 복용 안내문을 써 주세요' },
  { lang: 'ko', kind: 'entity', a: 'iPhone 사용자를 위한 배터리 절약 팁을 다섯 가지 알려 주세요', b: 'Galaxy 사용자를 위한 배터리 절약 팁을 다섯 가지 알려 주세요' },
  { lang: 'ko', kind: 'entity', a: '‘푸른 하늘’이라는 이름의 새 카페를 홍보하는 글을 써 주세요', b: '‘푸른 바다’라는 이름의 새 카페를 홍보하는 글을 써 주세요' },
  { lang: 'ko', kind: 'entity', a: 'Seoul에서 Tokyo까지 가는 가장 싼 항공편을 찾아 주세요', b: 'Tokyo에서 Seoul까지 가는 가장 싼 항공편을 찾아 주세요' },
];

export const PARAPHRASES: readonly GuardCase[] = [
  { lang: 'en', kind: 'punctuation', a: EMAIL, b: 'write a short, polite email to my team saying that I will arrive at the office on Monday.' },
  { lang: 'en', kind: 'word order', a: 'Book a table for 2 people at 7 pm at the Italian restaurant near the station', b: 'At the Italian restaurant near the station, book a table for 2 people at 7 pm' },
  { lang: 'en', kind: 'please', a: 'Please translate this sentence into Korean', b: 'Translate this sentence into Korean, please' },
  { lang: 'en', kind: 'word order', a: 'Plan a holiday on Jeju island for 2 adults and 3 children with a budget of 2000 dollars', b: 'With a budget of 2000 dollars, plan a holiday on Jeju island for 2 adults and 3 children' },
  { lang: 'en', kind: 'punctuation', a: 'Summarise the customer complaints we received yesterday and group them by product, by region and by how serious they are', b: 'Summarise the customer complaints we received yesterday, and group them by product, by region, and by how serious they are!' },
  { lang: 'en', kind: 'case', a: 'explain the difference between TCP and UDP for a junior developer who is just starting to learn about computer networks', b: 'Explain the difference between TCP and UDP for a junior developer who is just starting to learn about computer networks.' },
  { lang: 'en', kind: 'word order', a: 'Give me a recipe for a chocolate birthday cake that can be baked without eggs, for twelve guests', b: 'For twelve guests, give me a recipe for a chocolate birthday cake that can be baked without eggs' },
  { lang: 'en', kind: 'please', a: 'Write a friendly invitation to the company picnic that will be held in March at the riverside park with food and games', b: 'Please write a friendly invitation to the company picnic that will be held in March at the riverside park with food and games' },
  { lang: 'en', kind: 'contraction', a: 'Tell the customer that the refund has not been approved and that the money will reach their account within five working days', b: "Tell the customer that the refund hasn't been approved and that the money will reach their account within five working days" },
  { lang: 'en', kind: 'number word', a: 'Write a short story for young children about three little pigs who build their houses of straw, sticks and bricks', b: 'Write a short story for young children about 3 little pigs who build their houses of straw, sticks and bricks' },
  { lang: 'ko', kind: 'punctuation', a: EMAIL_KO, b: '팀원들에게 제가 월요일에 사무실에 도착한다고, 짧고 정중한 이메일을 써 주세요.' },
  { lang: 'ko', kind: 'word order', a: '다음 주 토요일 저녁 7시에 4명이 앉을 수 있는 식당 자리를 예약해 주세요', b: '4명이 앉을 수 있는 식당 자리를 다음 주 토요일 저녁 7시에 예약해 주세요' },
  { lang: 'ko', kind: 'word order', a: '어제 받은 고객 문의를 제품별로 정리해서 요약해 주세요', b: '고객 문의 어제 받은 것을 제품별로 정리해서 요약해 주세요' },
  { lang: 'ko', kind: 'word order', a: '우리 매장은 월요일부터 금요일까지 문을 연다는 안내문을 써 주세요', b: '월요일부터 금요일까지 우리 매장은 문을 연다는 안내문을 써 주세요' },
  { lang: 'ko', kind: 'punctuation', a: 'iPhone 사용자를 위한 배터리 절약 팁을 다섯 가지 알려 주세요', b: 'iPhone 사용자를 위한 배터리 절약 팁을 다섯 가지 알려 주세요!' },
  { lang: 'ko', kind: 'word order', a: '이 아파트 단지에는 넓은 지하 주차장이 있다고 설명하는 광고 문구를 써 주세요', b: '넓은 지하 주차장이 이 아파트 단지에는 있다고 설명하는 광고 문구를 써 주세요' },
  { lang: 'ko', kind: 'number word', a: '아이들을 위해 아기 돼지 세 마리가 집을 짓는 이야기를 짧은 동화로 써 주세요', b: '아이들을 위해 아기 돼지 3마리가 집을 짓는 이야기를 짧은 동화로 써 주세요' },
];
